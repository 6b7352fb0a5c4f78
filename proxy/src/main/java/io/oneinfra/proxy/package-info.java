/** An mTLS-terminating L4 relay: authenticate the client, then pipe raw bytes to a unix or TCP backend. */
package io.oneinfra.proxy;
