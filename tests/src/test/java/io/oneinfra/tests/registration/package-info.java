/** Registration with the management cluster, against fabric8's in-process Kubernetes API double. */
package io.oneinfra.tests.registration;
