/** Turns the config and the PKI on disk into the proxy's TLS material and the controller's credentials. */
package io.oneinfra.agent.tls;
