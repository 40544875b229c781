package io.runnel.remote.internal;

import io.runnel.remote.Role;

/** Who a connection authenticated as. */
record Principal(String client, Role role) {}
