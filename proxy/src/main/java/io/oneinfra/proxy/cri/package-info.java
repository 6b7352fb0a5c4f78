/** The CRI gateway: terminates HTTP/2, authorizes, audits and bridges each gRPC call on its way to the runtime. */
package io.oneinfra.proxy.cri;
