/** `npm run local-iam`: writes the policy the stack synthesizes for each function, for the local runtime. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractFunctionPolicies } from '../local/iam/extract-policies';

const file = join(__dirname, '..', 'local', 'iam', 'function-policies.json');
const policies = extractFunctionPolicies();
writeFileSync(file, `${JSON.stringify(policies, null, 2)}\n`);
console.log(`wrote ${Object.keys(policies.functions).length} functions' policies to ${file}`);
