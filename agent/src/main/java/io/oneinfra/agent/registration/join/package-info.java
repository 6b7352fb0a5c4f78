/** Joining the management cluster kubeadm-style: bootstrap token discovery, a CSR for the host's own identity. */
package io.oneinfra.agent.registration.join;
