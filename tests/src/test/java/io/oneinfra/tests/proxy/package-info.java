/** The proxy's door and relay, tested byte by byte against a counting unix backend. */
package io.oneinfra.tests.proxy;
