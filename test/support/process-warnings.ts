// Every test file's process prints warnings as the `insiders` command does (src/cli/process-warnings.ts):
// without kafkajs' negative request-queue timeout that Node 24 reports on every connection, which
// says nothing about the code under test and buried the run's output.
import { printProcessWarnings } from '../../src/cli/process-warnings.js';

printProcessWarnings();
