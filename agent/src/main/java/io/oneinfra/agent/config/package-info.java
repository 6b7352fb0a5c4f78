/** The agent's YAML configuration: parsed and validated once into immutable records. */
package io.oneinfra.agent.config;
