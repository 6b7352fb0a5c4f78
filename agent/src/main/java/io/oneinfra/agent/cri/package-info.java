/** Minimal blocking client for the Kubernetes Container Runtime Interface (CRI) over gRPC. */
package io.oneinfra.agent.cri;
