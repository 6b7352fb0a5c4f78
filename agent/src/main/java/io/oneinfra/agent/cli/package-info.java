/** The {@code oneinfra-agent} command line. */
package io.oneinfra.agent.cli;
