/** Registration with the management cluster: none, the manifest file, or the Hypervisor, its Lease and identity. */
package io.oneinfra.agent.registration;
