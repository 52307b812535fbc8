// esbuild bundles CSS imported for its side effect (frame.css).
declare module "*.css";
