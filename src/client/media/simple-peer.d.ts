// The prebuilt bundle carries no types of its own; it is the same API as the package entry.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer';
  export default SimplePeer;
}
