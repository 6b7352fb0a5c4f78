/** The CRI gateway's agent side: per-method metrics and the audit trail of every call. */
package io.oneinfra.agent.gateway;
