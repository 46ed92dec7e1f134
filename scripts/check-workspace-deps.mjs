#!/usr/bin/env node
// Every @skolkonto/* import of a package must be declared in its package.json, or Nx builds the
// packages in the wrong order (dependsOn ^build follows package.json). Run by `npm run lint`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['apps', 'libs'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)));
let problems = 0;

function sources(dir) {
  let files = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'generated' || entry === 'dist' || entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files = files.concat(sources(path));
    else if (/\.tsx?$/.test(entry) && !/\.spec\.tsx?$/.test(entry)) files.push(path);
  }
  return files;
}

for (const dir of packages) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  const declared = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
  const src = join(dir, 'src');
  let files = [];
  try {
    files = sources(src);
  } catch {
    continue;
  }
  const used = new Set();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/from '(@skolkonto\/[a-z0-9-]+)'/g)) used.add(match[1]);
  }
  used.delete(manifest.name);
  for (const name of used) {
    if (!declared.has(name)) {
      console.error(`${manifest.name} imports ${name} but does not declare it in ${dir.slice(root.length + 1)}/package.json`);
      problems++;
    }
  }
}
if (problems) process.exit(1);
console.log('workspace dependencies: every @skolkonto import is declared');
