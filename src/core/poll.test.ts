import { Deadline } from "./deadline";
import { pollInterval, pollUntil } from "./poll";

describe("adaptive polling", () => {
  it("polls at the minimum while young, then an eighth of the time waited, up to the cap", () => {
    expect(pollInterval(0)).toBe(50);
    expect(pollInterval(300)).toBe(50);
    expect(pollInterval(1600)).toBe(200);
    expect(pollInterval(60_000)).toBe(1000);
    expect(pollInterval(0, 100, 500)).toBe(100);
  });

  it("returns the probe's first result", async () => {
    let n = 0;
    const got = await pollUntil(async () => (++n === 3 ? "done" : undefined), { deadline: new Deadline(5000, "t"), minMs: 1, onTimeout: () => new Error("late") });
    expect(got).toBe("done");
    expect(n).toBe(3);
  });

  it("throws the timeout error when the deadline passes first", async () => {
    await expect(pollUntil(async () => undefined, { deadline: new Deadline(30, "t"), minMs: 5, onTimeout: () => new Error("late") })).rejects.toThrow("late");
  });
});
