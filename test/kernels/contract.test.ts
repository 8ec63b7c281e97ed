import { KERNEL_VARIANTS } from '../../src/kernels/registry.js';
import { kernelContract } from '../contracts/kernel.contract.js';

for (const spec of KERNEL_VARIANTS) kernelContract(spec);
