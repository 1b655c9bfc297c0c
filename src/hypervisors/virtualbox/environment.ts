/**
 * A local profile from the environment (profile name `virtualbox`): VBOX_MANAGE names the
 * VBoxManage executable. Locally VirtualBox needs no credentials, so the variable is all there is.
 * Returns undefined when it is not set. Validation happens with the profile schema.
 */
export function virtualboxProfileFromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const vboxManage = env.VBOX_MANAGE;
  if (!vboxManage) return undefined;
  return { type: "virtualbox", vboxManage };
}
