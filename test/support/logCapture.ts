import { resetLogSink, setLogSink } from "../../src/core/log";

/**
 * The lines the code under test logs (progress and warnings, as the provider host would show
 * them), kept per test of the calling block: emptied before each test, and stderr is the sink
 * again after the block.
 */
export function captureLogLines(): string[] {
  const lines: string[] = [];
  beforeAll(() => setLogSink((m) => lines.push(m)));
  afterAll(() => resetLogSink());
  beforeEach(() => {
    lines.length = 0;
  });
  return lines;
}
