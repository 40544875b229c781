/** See module-info. */
package io.runnel.remote;
