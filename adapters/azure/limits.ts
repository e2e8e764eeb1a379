/** The longest event id, correlation id or validation code accepted (they are GUIDs): longer is bad input. */
export const MAX_ID = 512;

/** The longest ARM resource id accepted; ARM's own are far shorter. */
export const MAX_RESOURCE_ID = 4096;
