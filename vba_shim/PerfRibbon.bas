Attribute VB_Name = "PerfRibbon"
' The Performance tab's one ribbon callback (customUI.xml: onAction="PerfRibbon.OnAction").
' Every button hands its id to Python; perf_addin.excel.ribbon.dispatch finds the handler,
' and reports every failure itself as a message box, so nothing else is needed here.
Option Explicit

Public Sub OnAction(control As IRibbonControl)
    RunPython "import perf_addin.excel.ribbon as r; r.dispatch('" & control.Id & "')"
End Sub
