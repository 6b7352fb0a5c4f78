/** Certificates over time: rotation under load, reload of operator files, expiry metrics. */
package io.oneinfra.tests.pki;
