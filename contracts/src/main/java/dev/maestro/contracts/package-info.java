/**
 * Event-bus contracts of Maestro: service-proxy interfaces, data objects, addresses and the
 * documented event shapes. Services depend on this module and never on each other.
 */
@ModuleGen(name = "maestro-contracts", groupPackage = "dev.maestro.contracts")
package dev.maestro.contracts;

import io.vertx.codegen.annotations.ModuleGen;
