/** Registration with the management cluster: none, the manifest file, or the Hypervisor object and its Lease. */
package io.oneinfra.agent.registration;
