// Express 4 and Koa 2 are installed under aliases for the test matrix; their APIs as used here match
// the current majors' types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
