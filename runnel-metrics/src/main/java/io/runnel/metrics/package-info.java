/** See module-info. */
package io.runnel.metrics;
