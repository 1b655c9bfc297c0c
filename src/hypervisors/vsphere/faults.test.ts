import { isFault, localizedFaultError, soapFaultError } from "./faults";
import { parseXml, path } from "./xml";

const ENV = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`;

function fault(xml: string) {
  return soapFaultError(path(parseXml(`${ENV}${xml}</soapenv:Body></soapenv:Envelope>`), "Body", "Fault")!);
}

describe("vim25 faults", () => {
  it("maps a real vCenter's NotAuthenticated fault to an auth error with the fault type as code", () => {
    const e = fault(
      `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The session is not authenticated.</faultstring><detail>` +
        `<NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="Folder">group-d1</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>`,
    );
    expect(isFault(e, "NotAuthenticated")).toBe(true);
    expect(e).toMatchObject({ kind: "auth", code: "NotAuthenticated", detail: "The session is not authenticated." });
  });

  it("says why in words when the server sends no message (vcsim)", () => {
    const e = fault(
      `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><ToolsUnavailableFault xmlns="urn:vim25" xsi:type="ToolsUnavailable"></ToolsUnavailableFault></detail></soapenv:Fault>`,
    );
    expect(e).toMatchObject({ kind: "invalid-state", code: "ToolsUnavailable" });
    expect(e.message).toMatch(/VMware Tools is not running/);
  });

  it("names the states of InvalidPowerState", () => {
    const e = fault(
      `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>The attempted operation cannot be performed in the current state (Powered off).</faultstring><detail>` +
        `<InvalidPowerStateFault xmlns="urn:vim25" xsi:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOff</existingState></InvalidPowerStateFault></detail></soapenv:Fault>`,
    );
    expect(e).toMatchObject({ kind: "invalid-state", code: "InvalidPowerState" });
    expect(e.detail).toBe("The attempted operation cannot be performed in the current state (Powered off). (it is poweredOff, poweredOn was requested)");
  });

  it.each([
    ["InvalidLogin", "auth"],
    ["TaskInProgress", "locked"],
    ["ManagedObjectNotFound", "not-found"],
    ["NotSupported", "unsupported"],
    ["InvalidState", "invalid-state"],
    ["FileAlreadyExists", "conflict"],
    ["InvalidArgument", "invalid-input"],
    ["NoPermission", "permission"],
    ["SystemError", "server"],
  ])("maps %s to kind %s", (type, kind) => {
    const e = fault(
      `<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>x</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}"/></detail></soapenv:Fault>`,
    );
    expect(e).toMatchObject({ kind, code: type });
  });

  it("reads a task's LocalizedMethodFault with vcsim's own schema prefix, and drops Go type names as messages", () => {
    const val = parseXml(
      `<val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="LocalizedMethodFault">` +
        `<fault XMLSchema-instance:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOn</existingState></fault>` +
        `<localizedMessage>*types.InvalidPowerState</localizedMessage></val>`,
    );
    const e = localizedFaultError(val);
    expect(e).toMatchObject({ code: "InvalidPowerState", kind: "invalid-state" });
    expect(e.detail).toBe("the VM's power state does not allow this operation (it is poweredOn, poweredOn was requested)");
  });

  it("uses a real server's localized message for a task error", () => {
    const val = parseXml(
      `<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="LocalizedMethodFault"><fault xsi:type="FileAlreadyExists"><file>[ds1] web/web.vmx</file></fault>` +
        `<localizedMessage>Cannot complete the operation because the file or folder [ds1] web/web.vmx already exists</localizedMessage></val>`,
    );
    expect(localizedFaultError(val)).toMatchObject({
      code: "FileAlreadyExists",
      kind: "conflict",
      detail: "Cannot complete the operation because the file or folder [ds1] web/web.vmx already exists",
    });
  });
});
