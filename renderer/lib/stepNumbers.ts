/** The step-numbering convention lives in the API contract (the CLI and the model card count the same way). */
export * from '../../main/api/contract/stepNumbers.js';
