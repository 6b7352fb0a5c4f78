/** Test fixtures: certificates, TLS clients, a counting unix backend and a proxy under test. */
package io.oneinfra.tests.support;
