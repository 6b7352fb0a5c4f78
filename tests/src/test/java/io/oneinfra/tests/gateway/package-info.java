/** The CRI gateway against real containerd 1.6 and 2.1: bridging, method authorization, audit, limits, abuse. */
package io.oneinfra.tests.gateway;
