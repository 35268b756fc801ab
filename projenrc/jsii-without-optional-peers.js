// Preloaded into jsii (the compile and watch tasks, see .projenrc.ts).
//
// jsii resolves every peerDependency as a jsii assembly and refuses a plain npm package ("Unable to
// locate jsii assembly for "pg" ... it must also be declared under bundledDependencies"), and a
// bundled dependency cannot also be a peer. The optional peers (pg and @aws-sdk/rds-signer, which
// only the Lambda-side helper in the user's own function bundle loads) are there for npm, not for the
// jsii type system: this hides the optional peers from jsii's reading of the project's package.json,
// without touching the file.
const fs = require('fs');
const path = require('path');

const packageJson = path.resolve('package.json');
const readFileSync = fs.readFileSync;

fs.readFileSync = function readFileSyncWithoutOptionalPeers(file, ...rest) {
  const content = readFileSync.call(this, file, ...rest);
  if (typeof file !== 'string' || path.resolve(file) !== packageJson) return content;
  const pkg = JSON.parse(content.toString());
  for (const [name, meta] of Object.entries(pkg.peerDependenciesMeta ?? {})) {
    if (meta.optional) delete pkg.peerDependencies?.[name];
  }
  const text = JSON.stringify(pkg, null, 2);
  return typeof content === 'string' ? text : Buffer.from(text);
};
