/** The fleet at scale, simulated: many real registrars against the API double, and what the API sees. */
package io.oneinfra.tests.scale;
