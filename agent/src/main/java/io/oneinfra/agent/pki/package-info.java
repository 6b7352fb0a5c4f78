/** Certificate authorities and certificates for the proxy's two TLS doors, and their storage on the host. */
package io.oneinfra.agent.pki;
