// npm run contracts:asyncapi → docs/asyncapi.yaml
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { asyncApiYaml } from '../src';

const root = resolve(__dirname, '../../..');
const out = join(root, 'docs/asyncapi.yaml');
writeFileSync(out, asyncApiYaml(stringify));
process.stdout.write(`wrote ${out}\n`);
