package dev.maestro.platform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;

import java.util.Arrays;

/**
 * The Hazelcast configuration of a Maestro node, built in code from MAESTRO_CLUSTER_*: TCP/IP join
 * with the listed members, bound to one interface, multicast and phone-home off.
 */
public final class ClusterSetup {
  private ClusterSetup() {}

  public static Config hazelcast(String clusterName, String host, int port, String members) {
    Config hz = new Config();
    hz.setClusterName(clusterName);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "0");
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // a dead member is noticed in seconds, not the default minute: ownership of sessions moves on
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(true).setPortCount(50);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host);
    if (isLoopback(host)) hz.setProperty("hazelcast.local.localAddress", host);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true);
    Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty())
        .forEach(m -> join.getTcpIpConfig().addMember(m));
    // the structures Vert.x needs (as in vertx-hazelcast's default-cluster.xml)
    hz.addMultiMapConfig(new MultiMapConfig("__vertx.subs").setBackupCount(1)
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET));
    hz.addMapConfig(new MapConfig("__vertx.haInfo").setBackupCount(1));
    hz.addMapConfig(new MapConfig("__vertx.nodeInfo").setBackupCount(1));
    return hz;
  }

  public static Config hazelcast(MaestroConfig config) {
    return hazelcast(config.get(MaestroConfig.CLUSTER_NAME), config.get(MaestroConfig.CLUSTER_HOST),
        config.getInt(MaestroConfig.CLUSTER_PORT), config.get(MaestroConfig.CLUSTER_MEMBERS));
  }

  private static boolean isLoopback(String host) {
    return host.startsWith("127.") || host.equals("localhost");
  }
}
