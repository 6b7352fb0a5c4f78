/** The agent as an operator runs it: the real process, from its jar. */
package io.oneinfra.tests.agent;
