/** The oneinfra hypervisor agent: wires config, PKI and the proxy in order and tears them down in reverse. */
package io.oneinfra.agent;
