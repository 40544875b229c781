/** See module-info. */
package io.runnel.cli;
