/**
 * One step-numbering convention for people: steps are counted from 1. The
 * trainer and the store count from 0 (step 0 is the first update, the loop
 * in main/trainer/runTraining.ts), the CLI's progress line and the run
 * summary show completed steps (stored + 1). So everything people see (the UI's
 * chart x axes, readouts, checkpoints, sliders, events, alarms; the CLI's
 * `show`, `--checkpoint N`, evaluation tables and the model card) is stored + 1,
 * and "step 60 / 60" is the last step everywhere. API calls and --json output
 * keep stored numbers.
 */
export const shownStep = (stored: number): number => stored + 1;
export const storedStep = (shown: number): number => shown - 1;
