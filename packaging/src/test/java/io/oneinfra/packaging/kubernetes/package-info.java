/** The shipped Kubernetes manifests: their fields, their grants and the admission policy's CEL, evaluated. */
package io.oneinfra.packaging.kubernetes;
