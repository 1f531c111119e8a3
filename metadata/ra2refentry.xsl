<?xml version="1.0"?>
<!-- The agent's OCF meta-data (what "route53 meta-data" prints) to a
     DocBook refentry, which DocBook's manpages/docbook.xsl turns into
     ocf_heartbeat_route53.7, as resource-agents does with its
     ra2refentry.xsl.  Everything the page says about the agent comes
     from the meta-data: description, every parameter with its type,
     default and OCF 1.1 hints, every action with its timeouts, and the
     examples' operation timeouts; only the examples' parameter values
     (example-params) and the see-also list are given here.
     tests/integration/manpage.sh holds the rendered page against the
     meta-data. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
<xsl:output method="xml" indent="yes" encoding="UTF-8"/>

<xsl:param name="provider" select="'heartbeat'"/>
<xsl:param name="version" select="''"/>
<xsl:param name="date" select="''"/>
<xsl:param name="docdir" select="'/usr/share/doc/resource-agents-route53'"/>
<xsl:param name="example-params" select="'hostname=www zone=example.com ip_resource=vip'"/>

<xsl:variable name="agent" select="/resource-agent/@name"/>
<xsl:variable name="type" select="concat('ocf:', $provider, ':', $agent)"/>

<xsl:template match="/resource-agent">
<refentry id="ocf_{$provider}_{$agent}">
  <refentryinfo>
    <productname>route53</productname>
    <date><xsl:value-of select="$date"/></date>
    <author><orgname>route53 developers</orgname></author>
  </refentryinfo>
  <refmeta>
    <refentrytitle>ocf_<xsl:value-of select="$provider"/>_<xsl:value-of select="$agent"/></refentrytitle>
    <manvolnum>7</manvolnum>
    <refmiscinfo class="source">route53 <xsl:value-of select="$version"/></refmiscinfo>
    <refmiscinfo class="manual">OCF resource agents</refmiscinfo>
  </refmeta>
  <refnamediv>
    <refname>ocf_<xsl:value-of select="$provider"/>_<xsl:value-of select="$agent"/></refname>
    <refpurpose><xsl:value-of select="normalize-space(shortdesc[@lang='en'])"/></refpurpose>
  </refnamediv>
  <refsynopsisdiv>
    <cmdsynopsis>
      <command><xsl:value-of select="$agent"/></command>
      <group choice="req">
        <xsl:for-each select="actions/action[not(@name = preceding-sibling::action/@name)]">
          <arg choice="plain"><xsl:value-of select="@name"/></arg>
        </xsl:for-each>
      </group>
    </cmdsynopsis>
  </refsynopsisdiv>
  <refsect1>
    <title>Description</title>
    <literallayout><xsl:value-of select="longdesc[@lang='en']"/></literallayout>
  </refsect1>
  <refsect1>
    <title>Supported parameters</title>
    <para>Parameters are set as resource attributes; the agent reads
    them from OCF_RESKEY_<replaceable>name</replaceable>.</para>
    <variablelist>
      <xsl:apply-templates select="parameters/parameter"/>
    </variablelist>
  </refsect1>
  <refsect1>
    <title>Supported actions</title>
    <para>Each with its default timeout, as advertised to the cluster.</para>
    <itemizedlist>
      <xsl:apply-templates select="actions/action"/>
    </itemizedlist>
  </refsect1>
  <refsect1>
    <title>Example crm shell</title>
    <programlisting>crm configure primitive p_<xsl:value-of select="$agent"/><xsl:text> </xsl:text><xsl:value-of select="$type"/> \
  params <xsl:value-of select="$example-params"/> \
<xsl:call-template name="ops"><xsl:with-param name="pcs" select="false()"/></xsl:call-template></programlisting>
  </refsect1>
  <refsect1>
    <title>Example pcs</title>
    <programlisting>pcs resource create p_<xsl:value-of select="$agent"/><xsl:text> </xsl:text><xsl:value-of select="$type"/> \
  <xsl:value-of select="$example-params"/> \
<xsl:call-template name="ops"><xsl:with-param name="pcs" select="true()"/></xsl:call-template></programlisting>
  </refsect1>
  <refsect1>
    <title>See also</title>
    <para>
      <citerefentry><refentrytitle>crm</refentrytitle><manvolnum>8</manvolnum></citerefentry>,
      <citerefentry><refentrytitle>pcs</refentrytitle><manvolnum>8</manvolnum></citerefentry>,
      <citerefentry><refentrytitle>crm_resource</refentrytitle><manvolnum>8</manvolnum></citerefentry>,
      <citerefentry><refentrytitle>ocf_heartbeat_IPaddr2</refentrytitle><manvolnum>7</manvolnum></citerefentry>,
      <citerefentry><refentrytitle>ocf_heartbeat_aws-vpc-route53</refentrytitle><manvolnum>7</manvolnum></citerefentry>;
      the README, <filename><xsl:value-of select="$docdir"/>/README</filename>,
      and the reference beside it in <filename><xsl:value-of select="$docdir"/>/doc/</filename>:
      <filename>parameters.md</filename>, <filename>failures.md</filename> (failures and exit codes),
      <filename>credentials.md</filename> (the IAM policy) and
      <filename>migration.md</filename> (coming from aws-vpc-route53).
    </para>
  </refsect1>
</refentry>
</xsl:template>

<!-- One parameter: name (with hints), short and long description, and
     one line "(type, default X)". -->
<xsl:template match="parameter">
  <varlistentry>
    <term>
      <option><xsl:value-of select="@name"/></option>
      <xsl:if test="@required = '1'"> (required)</xsl:if>
      <xsl:if test="@reloadable = '1'"> (reloadable)</xsl:if>
      <xsl:if test="@unique-group"> (unique group: <xsl:value-of select="@unique-group"/>)</xsl:if>
      <xsl:if test="deprecated"> (deprecated)</xsl:if>
    </term>
    <listitem>
      <para><xsl:value-of select="normalize-space(shortdesc[@lang='en'])"/></para>
      <xsl:if test="deprecated">
        <para>Deprecated<xsl:for-each select="deprecated/replaced-with">, replaced with <option><xsl:value-of select="@name"/></option></xsl:for-each>: <xsl:value-of select="normalize-space(deprecated/desc[@lang='en'])"/>.</para>
      </xsl:if>
      <literallayout><xsl:value-of select="longdesc[@lang='en']"/></literallayout>
      <para>(<xsl:value-of select="content/@type"/>, <xsl:choose>
        <xsl:when test="content/@default">default <literal><xsl:value-of select="content/@default"/></literal></xsl:when>
        <xsl:otherwise>no default</xsl:otherwise>
      </xsl:choose>)</para>
    </listitem>
  </varlistentry>
</xsl:template>

<xsl:template match="action">
  <listitem>
    <para><command><xsl:value-of select="@name"/></command>: timeout <xsl:value-of select="@timeout"/>
      <xsl:if test="@interval">, interval <xsl:value-of select="@interval"/></xsl:if>
      <xsl:if test="@depth">, depth <xsl:value-of select="@depth"/></xsl:if>
      <xsl:if test="@role">, role <xsl:value-of select="@role"/></xsl:if>
      <xsl:if test="@start-delay">, start-delay <xsl:value-of select="@start-delay"/></xsl:if>
    </para>
  </listitem>
</xsl:template>

<!-- The examples' operations: start, stop and monitor with the advertised
     timeouts (and the monitor's interval). -->
<xsl:template name="ops">
  <xsl:param name="pcs"/>
  <xsl:variable name="start" select="actions/action[@name='start'][1]"/>
  <xsl:variable name="stop" select="actions/action[@name='stop'][1]"/>
  <xsl:variable name="monitor" select="actions/action[@name='monitor'][1]"/>
  <xsl:choose>
    <xsl:when test="$pcs">  op start timeout=<xsl:value-of select="$start/@timeout"/> stop timeout=<xsl:value-of select="$stop/@timeout"/> \
  monitor interval=<xsl:value-of select="$monitor/@interval"/> timeout=<xsl:value-of select="$monitor/@timeout"/></xsl:when>
    <xsl:otherwise>  op start timeout=<xsl:value-of select="$start/@timeout"/> \
  op stop timeout=<xsl:value-of select="$stop/@timeout"/> \
  op monitor interval=<xsl:value-of select="$monitor/@interval"/> timeout=<xsl:value-of select="$monitor/@timeout"/></xsl:otherwise>
  </xsl:choose>
</xsl:template>

</xsl:stylesheet>
