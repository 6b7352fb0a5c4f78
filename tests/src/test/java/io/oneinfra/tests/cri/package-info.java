/** CRI driven through the proxy (and through haproxy for reference) against a real containerd. */
package io.oneinfra.tests.cri;
