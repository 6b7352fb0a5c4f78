/** Hostile and broken clients at the door: every one refused, counted, and kept away from the CRI socket. */
package io.oneinfra.tests.adversarial;
