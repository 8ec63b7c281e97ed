import { KERNELS } from '../../src/kernels/registry.js';
import { kernelContract } from '../contracts/kernel.contract.js';

for (const spec of KERNELS) kernelContract(spec);
