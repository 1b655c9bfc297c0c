/**
 * Prints one plain closing line, "tests: N passed, N failed, N skipped", that CI reads to know
 * how many tests ran. Jest's own summary stays above it.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const { numPassedTests: passed, numFailedTests: failed, numPendingTests: skipped, numTodoTests: todo } = results;
    const suiteErrors = results.numRuntimeErrorTestSuites;
    const failedTotal = failed + suiteErrors;
    process.stdout.write(`\ntests: ${passed} passed, ${failedTotal} failed, ${skipped + todo} skipped\n`);
  }
}
module.exports = SummaryReporter;
