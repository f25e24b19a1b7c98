// Koa 2, installed under the alias koa2 for the conformance suite, has Koa's API: it is typed as Koa.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
