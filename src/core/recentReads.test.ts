import { RecentReads } from "./recentReads";

describe("a read remembered between a lookup and the action after it", () => {
  afterEach(() => jest.useRealTimers());

  it("is taken once", () => {
    const reads = new RecentReads<string>();
    reads.remember("a", "running");
    expect(reads.take("a")).toBe("running");
    expect(reads.take("a")).toBeUndefined();
  });

  it("is not used once it is older than two seconds", () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads<string>();
    reads.remember("a", "running");
    jest.setSystemTime(1_000_000 + 2001);
    expect(reads.take("a")).toBeUndefined();
  });

  it("is forgotten on request, and only that key", () => {
    const reads = new RecentReads<string>();
    reads.remember("a", "running");
    reads.remember("b", "stopped");
    reads.forget("a");
    expect(reads.take("a")).toBeUndefined();
    expect(reads.take("b")).toBe("stopped");
  });

  it("does not grow without bound with reads that no action takes", () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const reads = new RecentReads<number>();
    for (let i = 0; i < 300; i++) reads.remember(`old-${i}`, i);
    jest.setSystemTime(1_000_000 + 2001);
    for (let i = 0; i < 10; i++) reads.remember(`new-${i}`, i);
    expect(reads.size).toBe(10);
  });
});
