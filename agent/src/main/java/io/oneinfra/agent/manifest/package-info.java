/** The oneinfra {@code Hypervisor} object (infra.oneinfra.ereslibre.es/v1alpha1) as YAML: spec only, never status. */
package io.oneinfra.agent.manifest;
