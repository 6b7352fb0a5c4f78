/** Who this hypervisor is: its object name, IP address, public or private role, and the port range it offers. */
package io.oneinfra.agent.identity;
