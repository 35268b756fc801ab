// Preloaded into jsii and jsii-pacmak (the compile, watch and package:js tasks, see .projenrc.ts; the
// language targets' test runs pacmak the same way).
//
// jsii resolves every peerDependency as a jsii assembly and refuses a plain npm package ("Unable to
// locate jsii assembly for "pg" ... it must also be declared under bundledDependencies"), and a
// bundled dependency cannot also be a peer; jsii-pacmak loads the same list ("No "jsii" section in
// .../@aws-sdk/rds-signer/package.json"). The optional peers (pg and @aws-sdk/rds-signer, which only
// the Lambda-side helper in the user's own function bundle loads) are there for npm, not for the jsii
// type system: this hides the optional peers from these tools' reading of the project's package.json
// (sync, callback and promise reads alike), without touching the file. npm, and so the published
// package, still sees them.
const fs = require('fs');
const path = require('path');

const packageJson = path.resolve('package.json');

function isPackageJson(file) {
  return typeof file === 'string' && path.resolve(file) === packageJson;
}

function withoutOptionalPeers(content) {
  const pkg = JSON.parse(content.toString());
  for (const [name, meta] of Object.entries(pkg.peerDependenciesMeta ?? {})) {
    if (meta.optional) delete pkg.peerDependencies?.[name];
  }
  const text = JSON.stringify(pkg, null, 2);
  return typeof content === 'string' ? text : Buffer.from(text);
}

const readFileSync = fs.readFileSync;
fs.readFileSync = function readFileSyncWithoutOptionalPeers(file, ...rest) {
  const content = readFileSync.call(this, file, ...rest);
  return isPackageJson(file) ? withoutOptionalPeers(content) : content;
};

const readFile = fs.readFile;
fs.readFile = function readFileWithoutOptionalPeers(file, ...rest) {
  if (!isPackageJson(file)) return readFile.call(this, file, ...rest);
  const callback = rest.pop();
  return readFile.call(this, file, ...rest, (err, content) => (err ? callback(err) : callback(null, withoutOptionalPeers(content))));
};

const readFilePromise = fs.promises.readFile;
fs.promises.readFile = async function readFilePromiseWithoutOptionalPeers(file, ...rest) {
  const content = await readFilePromise.call(this, file, ...rest);
  return isPackageJson(file) ? withoutOptionalPeers(content) : content;
};
