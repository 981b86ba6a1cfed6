// esbuild bundles imported stylesheets into the entry's CSS file; TypeScript only needs to know they exist.
declare module '*.css';
