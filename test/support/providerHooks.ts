import type * as pulumi from "@pulumi/pulumi";

/**
 * The provider host's steps with one resource kind's hooks (`hooks("VmPowerState")`, ...), for the
 * providers' integration tests: every resource there names the connection "lab".
 */
type ResourceHooks = pulumi.dynamic.ResourceProvider;

/** The inputs `check` makes of `news`; a test whose inputs the check refuses fails here, with the failures shown. */
export async function checkedInputs(resource: ResourceHooks, news: Record<string, unknown>) {
  const r = await resource.check!({}, { connection: "lab", ...news });
  expect(r.failures).toEqual([]);
  return r.inputs!;
}

/** What the provider host does in `up` for a new resource: check, then create with the checked inputs. */
export async function upNew(resource: ResourceHooks, news: Record<string, unknown>) {
  const inputs = await checkedInputs(resource, news);
  return { inputs, result: await resource.create(inputs) };
}
